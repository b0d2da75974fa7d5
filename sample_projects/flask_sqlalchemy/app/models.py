from app import db

user_roles = db.Table(
    "user_roles",
    db.Column("user_id", db.ForeignKey("user.id"), primary_key=True),
    db.Column("role_id", db.ForeignKey("role.id"), primary_key=True),
)


class User(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(200), nullable=False)


class Role(db.Model):
    id = db.Column(db.Integer, primary_key=True)


class OrderItem(db.Model):
    id = db.Column(db.Integer, primary_key=True)
