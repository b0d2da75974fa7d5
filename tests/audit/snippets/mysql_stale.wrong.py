# flags: AG501,AG502
from sqlalchemy import create_engine

engine = create_engine("mysql+pymysql://user:pass@localhost/shop", pool_size=10)
