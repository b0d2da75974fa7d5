"""Flask app factory; `flask db migrate` (Flask-Migrate) loads it before env.py."""
from flask import Flask
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()
migrate = Migrate()


def create_app():
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///app.db"
    db.init_app(app)
    migrate.init_app(app, db)
    from app import models  # noqa: F401
    from app.routes import bp

    app.register_blueprint(bp)
    return app
