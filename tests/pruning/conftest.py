"""Pruning tests run on one torch thread: tiny models gain nothing from more on a shared CI box."""
import torch

torch.set_num_threads(1)
