# Held-out: the Flask-SQLAlchemy 3.x quickstart and "Legacy Query" pages, WRONG and CORRECT.
from flask import Flask, abort, flash, redirect, render_template, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import ForeignKey, Integer, String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, selectinload


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = "mysql+pymysql://app@db/app"
app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True, "pool_recycle": 280}  # CORRECT for MySQL
db.init_app(app)


class User(db.Model):
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    email: Mapped[str] = mapped_column(String(120))
    posts: Mapped[list["Post"]] = relationship(back_populates="author")


class Post(db.Model):
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    author: Mapped[User] = relationship(back_populates="posts")


# CORRECT: the quickstart's views
@app.route("/users")
def user_list():
    users = db.session.execute(db.select(User).order_by(User.username)).scalars()
    return render_template("user/list.html", users=users)


@app.route("/users/create", methods=["GET", "POST"])
def user_create():
    if request.method == "POST":
        user = User(username=request.form["username"], email=request.form["email"])
        db.session.add(user)
        db.session.commit()
        return redirect(f"/user/{user.id}")
    return render_template("user/create.html")


@app.route("/user/<int:id>")
def user_detail(id):
    user = db.get_or_404(User, id)
    return render_template("user/detail.html", user=user)


# WRONG: the duplicate username is reported, but the session is left in a failed state
@app.route("/signup", methods=["POST"])
def signup():
    db.session.add(User(username=request.form["username"], email=request.form["email"]))
    try:
        db.session.commit()
    except IntegrityError:  # expect: AG540
        flash("That username is taken")
    return redirect("/users")


# CORRECT: the same with a rollback
@app.route("/v2/signup", methods=["POST"])
def signup_ok():
    db.session.add(User(username=request.form["username"], email=request.form["email"]))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        flash("That username is taken")
    return redirect("/users")


# WRONG: posts' authors loaded one by one in the loop
@app.route("/posts")
def post_titles():
    titles = []
    for post in db.session.execute(db.select(Post)).scalars():
        titles.append((post.title, post.author.username))  # expect: AG530
    return {"posts": titles}


# CORRECT: eager-loaded
@app.route("/v2/posts")
def post_titles_ok():
    stmt = db.select(Post).options(selectinload(Post.author))
    return {"posts": [(p.title, p.author.username) for p in db.session.execute(stmt).scalars()]}


# CORRECT: reading inside the request, while the scoped session is open
@app.route("/user/<int:id>/posts")
def user_posts(id):
    user = db.session.get(User, id) or abort(404)
    return {"titles": [p.title for p in user.posts]}
