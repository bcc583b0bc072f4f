"""Synthetic inputs with known ground truth (`ccaudit generate`, the demo, tests and benchmarks):
YFCC100M files in every form (yfcc.py) and derived-dataset manifests drawn from them (manifests.py)."""
