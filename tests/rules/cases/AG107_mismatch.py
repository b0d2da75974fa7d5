# versions/a1_create_user.py
"""create user

Revision ID: a1
Revises:
"""
revision = "a1"
down_revision = None
# versions/b2_add_email.py
"""add email

Revision ID: zz99  # expect: AG107
Revises: a1
"""
revision = "b2"
down_revision = "a1"
# versions/c3_add_phone.py
"""add phone

Revision ID: c3
Revises: b2
"""
revision = "c3"
down_revision = "b2"
# versions/copied_file.py
revision = "d4"  # expect: AG107
down_revision = "c3"
# versions/e5_merge.py
"""merge

Revision ID: e5
Revises: d4, x1
"""
revision = "e5"
down_revision = ("x1", "d4")
# versions/x1_branch.py
revision = "x1"
down_revision = "c3"
