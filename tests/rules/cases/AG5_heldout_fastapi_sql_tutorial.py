# Held-out: the FastAPI "SQL (Relational) Databases" tutorial (sync), in one file, WRONG and CORRECT.
from fastapi import Depends, FastAPI, HTTPException
from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, create_engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, declarative_base, relationship, sessionmaker
from sqlalchemy.pool import StaticPool

SQLALCHEMY_DATABASE_URL = "sqlite:///./sql_app.db"

engine = create_engine(SQLALCHEMY_DATABASE_URL, connect_args={"check_same_thread": False})
SessionLocal = sessionmaker(autocommit=False, autoflush=False, bind=engine)

Base = declarative_base()


class User(Base):
    __tablename__ = "users"

    id = Column(Integer, primary_key=True)
    email = Column(String, unique=True, index=True)
    hashed_password = Column(String)
    is_active = Column(Boolean, default=True)

    items = relationship("Item", back_populates="owner")


class Item(Base):
    __tablename__ = "items"

    id = Column(Integer, primary_key=True)
    title = Column(String, index=True)
    owner_id = Column(Integer, ForeignKey("users.id"))

    owner = relationship("User", back_populates="items")


app = FastAPI()


# CORRECT: the tutorial's dependency
def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


# CORRECT: crud.create_user
def create_user(db: Session, email: str, password: str):
    db_user = User(email=email, hashed_password=password + "notreallyhashed")
    db.add(db_user)
    db.commit()
    db.refresh(db_user)
    return db_user


# WRONG: the dependency written without try/finally
def get_db_leaky():
    db = SessionLocal()  # expect: AG512
    yield db
    db.close()


# CORRECT (as the tutorial does it): the error ends the request, and get_db closes the session
@app.post("/users/")
def create_user_endpoint(email: str, db: Session = Depends(get_db)):
    try:
        return create_user(db, email, "x")
    except IntegrityError:
        raise HTTPException(status_code=400, detail="Email already registered")


# WRONG: "get or create" that goes on using the session after the failed commit
def get_or_create_user(db: Session, email: str):
    try:
        db.add(User(email=email))
        db.commit()
    except IntegrityError:  # expect: AG540
        pass
    return db.scalars(select(User).where(User.email == email)).one()


# CORRECT: handled in place, with a rollback
@app.post("/v2/users/")
def create_user_endpoint_ok(email: str, db: Session = Depends(get_db)):
    try:
        return create_user(db, email, "x")
    except IntegrityError:
        db.rollback()
        raise HTTPException(status_code=400, detail="Email already registered")


# WRONG: items read per user in the loop (N+1)
@app.get("/users/items")
def users_with_items(db: Session = Depends(get_db)):
    out = []
    for user in db.scalars(select(User)):
        out.append([item.title for item in user.items])  # expect: AG530
    return out


# WRONG: a sync session used inside an async endpoint
@app.get("/async-users/")
async def read_users_async():
    with SessionLocal() as db:  # expect: AG520
        return db.scalars(select(User)).all()  # expect: AG510 (serialised after the session closed)


# the testing page: in-memory SQLite shared across threads
test_engine = create_engine("sqlite://", connect_args={"check_same_thread": False}, poolclass=StaticPool)  # CORRECT
bad_test_engine = create_engine("sqlite://", connect_args={"check_same_thread": False})  # expect: AG504
