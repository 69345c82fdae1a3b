"""Building blocks of tools/make_zoo.py, one job per module.

architectures  networks torchvision does not ship (LeNet-5, AlexNet 2012, NiN)
weights        seeded weights that still make outputs depend on the input
samples        the image-like inputs the references are computed on
fmnist         Fashion-MNIST loading, preprocessing and LeNet-5 training
onnx_export    ONNX export with the repository's conventions, and its checks
repository     the files on disk: Triton layout, references, cache stamps
catalog        which models exist and how each one is made
"""
