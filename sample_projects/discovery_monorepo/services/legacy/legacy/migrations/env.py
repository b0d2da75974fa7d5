from alembic import context
from flask import current_app

config = context.config
config.set_main_option('sqlalchemy.url', current_app.config.get('SQLALCHEMY_DATABASE_URI', 'postgresql://legacy@localhost/legacy'))
target_metadata = current_app.extensions['migrate'].db.metadata
