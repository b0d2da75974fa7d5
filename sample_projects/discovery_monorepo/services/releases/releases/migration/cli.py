def version_locations(root):
    # the project's own `upgrade` command passes every release folder to Alembic
    return [f'{root}/versions/{rel}/{branch}' for rel in ('2023_1', '2024_1') for branch in ('expand', 'contract')]
