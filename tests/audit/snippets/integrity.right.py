from sqlalchemy import exc
from sqlalchemy.exc import IntegrityError

from db import records, session
from models import User

try:
    user = User(email="alice@example.com", name="Alice")
    session.add(user)
    session.commit()
except IntegrityError as e:
    session.rollback()  # Required — resets session state
    print(f"Duplicate entry: {e.orig}")

with session.begin():
    for record in records:
        try:
            with session.begin_nested():  # Creates a savepoint
                session.add(User(**record))
        except exc.IntegrityError:
            pass  # Rolls back to savepoint, continues outer transaction
