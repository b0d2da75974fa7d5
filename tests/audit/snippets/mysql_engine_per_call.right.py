# An engine made for one look-up and used at once: no pooled connection ever sits idle, so
# pre-ping / recycle (AG501, AG502) have nothing to protect.
from sqlalchemy import create_engine, text


def current_revision(url):
    engine = create_engine(url or "mysql+pymysql://app@db/shop")
    with engine.connect() as conn:
        row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
    engine.dispose()
    return row[0] if row else None


def table_count(url):
    with create_engine(url or "mysql+pymysql://app@db/shop").begin() as conn:
        return conn.execute(text("SELECT COUNT(*) FROM information_schema.tables")).scalar()
