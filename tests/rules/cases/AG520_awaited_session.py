# A parameter annotated `Session` whose calls are awaited is an AsyncSession (the annotation is
# loose); only truly sync calls fire.
from sqlalchemy import select, text
from sqlalchemy.orm import Session


# WRONG
async def blocking(session: Session):
    return session.execute(text("SELECT 1"))  # expect: AG520


# CORRECT
async def history(session: Session, query):
    result = await session.execute(query)
    return result.mappings().all()

