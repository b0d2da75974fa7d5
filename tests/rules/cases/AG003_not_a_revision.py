# A helper module dropped into the versions folder: no module-level `revision`.  # expect: AG003


def helper():
    revision = "not at module level"
    return revision
