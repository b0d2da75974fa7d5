# Trimmed from airflow/migrations/env.py: it imports the application.
import sys
sys.exit("airflow env.py must not be executed by static checks")

from alembic import context
from airflow import models, settings

target_metadata = models.base.Base.metadata
