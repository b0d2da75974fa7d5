import pathlib, os, sys
pathlib.Path(os.environ.get("AG_TRAP_DIR", "/tmp")).joinpath("EXECUTED-" + __name__.replace(".", "_")).write_text(__file__)

sys.exit("setup.py executed")
