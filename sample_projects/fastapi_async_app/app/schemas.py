from pydantic import BaseModel


class OrderOut(BaseModel):
    id: int
    total: int


class UserOut(BaseModel):
    id: int
    email: str
    orders: list[OrderOut]


class UserBrief(BaseModel):
    id: int
    email: str
