# flags: AG530
from sqlalchemy.orm import Session

from models import User


def export(session: Session):
    return [(u.name, len(u.posts)) for u in session.query(User).all()]
