import pathlib
import sys

# The modules under test sit at the root of the repository, beside tests/.
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
