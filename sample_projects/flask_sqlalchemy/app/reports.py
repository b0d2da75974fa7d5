"""Written for a reporting job; nothing imports it."""
from app import db


class MonthlyReport(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    month = db.Column(db.String(7), nullable=False)
