# A parameter annotated `Session` whose calls are awaited is an AsyncSession (the annotation is
# loose); only truly sync calls fire.
from sqlalchemy import select, text
from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker

SessionLocal = sessionmaker(create_engine("postgresql://db/app"))


# WRONG
async def blocking(session: Session):
    return session.execute(text("SELECT 1"))  # expect: AG520


# CORRECT
async def history(session: Session, query):
    result = await session.execute(query)
    return result.mappings().all()



async def middleware(request, call_next):
    # creating a sync Session does no IO; the (sync) route handlers use it in a thread
    request.state.db = SessionLocal()
    return await call_next(request)
