# flags: AG530,AG540
from flask import Flask, jsonify
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.exc import IntegrityError

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql://localhost/blog"
db = SQLAlchemy(app)


class Author(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String, unique=True)
    posts = db.relationship("Post", backref="author")


class Post(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    author_id = db.Column(db.Integer, db.ForeignKey("author.id"))
    title = db.Column(db.String)


@app.route("/authors")
def authors():
    out = []
    for author in db.session.execute(db.select(Author)).scalars():
        out.append({"email": author.email, "posts": [p.title for p in author.posts]})
    return jsonify(out)


@app.route("/authors/<email>", methods=["POST"])
def create(email):
    try:
        db.session.add(Author(email=email))
        db.session.commit()
    except IntegrityError:
        return {"error": "exists"}, 409
    return {"ok": True}, 201
