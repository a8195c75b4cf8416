"""What pyproject.toml cannot say: the shipped accelerators stay in the top-level arch_configs/
folder and install as the package data folder hwsim/arch_configs/ (one copy in the repository;
an editable install reads the folder in place). hwsim.config.loader.shipped_arch_dir finds
either."""
from setuptools import find_namespace_packages, setup

PACKAGES = find_namespace_packages(include=["hwsim", "hwsim.*", "pruning", "pruning.*"],
                                   exclude=["*.__pycache__"])

setup(packages=[*PACKAGES, "hwsim.arch_configs"],
      package_dir={"hwsim.arch_configs": "arch_configs"})
