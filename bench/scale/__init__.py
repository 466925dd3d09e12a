"""`make bench-scale`: the operator alone at scale, on nodes and pods simulated by KWOK."""
