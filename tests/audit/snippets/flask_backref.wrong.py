# flags: AG530
from flask import Flask, render_template
from flask_sqlalchemy import SQLAlchemy

app = Flask(__name__)
db = SQLAlchemy(app)


class Author(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(80))
    posts = db.relationship("Post", backref="author", lazy=True)


class Post(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(120))
    author_id = db.Column(db.Integer, db.ForeignKey("author.id"))


@app.route("/")
def index():
    posts = Post.query.all()
    rows = []
    for post in posts:
        rows.append((post.title, post.author.name))
    return render_template("index.html", rows=rows)
