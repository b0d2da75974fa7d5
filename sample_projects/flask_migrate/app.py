"""A Flask application using Flask-Migrate (`flask db upgrade`). Not imported by alembic-guard."""

from flask import Flask
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql://postgres@127.0.0.1:5432/app"
db = SQLAlchemy(app)
migrate = Migrate(app, db)
