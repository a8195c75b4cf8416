"""Experiment scripts (one command each; outputs under runs/, figures under reports/figures/).

    python -m pruning.experiments.han_lenet --model lenet300     # Han Tables 2/3, 12x target
    python -m pruning.experiments.figure5                        # L1/L2, retrain, iterative
    python -m pruning.experiments.sensitivity                    # Figure 6, both LeNets
"""
