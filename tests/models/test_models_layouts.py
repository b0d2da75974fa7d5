"""Held-out application layouts: each must name exactly the unregistered models."""

from __future__ import annotations


def model(cls: str, table: str, base_import: str = "from app.db import Base") -> str:
    return f'''
{base_import}
from sqlalchemy.orm import Mapped, mapped_column


class {cls}(Base):
    __tablename__ = "{table}"
    id: Mapped[int] = mapped_column(primary_key=True)
'''


def test_package_per_model(project, ag2):
    """One package per model (`app/models/<name>/__init__.py`), aggregated by app/models."""
    root = project(
        {
            "app/__init__.py": "",
            "app/db.py": ag2.DB,
            "app/models/__init__.py": "from app.models.user import User\nfrom app.models.invoice import Invoice\n",
            "app/models/user/__init__.py": model("User", "users"),
            "app/models/invoice/__init__.py": "from .invoice import Invoice\n",
            "app/models/invoice/invoice.py": model("Invoice", "invoices"),
            "app/models/refund/__init__.py": model("Refund", "refunds"),
            "app/models/coupon/__init__.py": "",
            "app/models/coupon/model.py": model("Coupon", "coupons"),
        },
        env="import app.models  # noqa: F401\nfrom app.db import Base\ntarget_metadata = Base.metadata",
    )
    found = ag2.findings(root)
    assert ag2.summary(found) == [
        ("AG201", "app/models/coupon/model.py", 5),
        ("AG201", "app/models/refund/__init__.py", 5),
    ]
    hints = sorted(f.hint for f in found)
    assert hints[0].startswith("add `import app.models.coupon.model  # noqa: F401` to `migrations/env.py`")
    assert hints[1].startswith("add `import app.models.refund  # noqa: F401` to `migrations/env.py`")


def test_feature_packages_django_style(project, ag2):
    """Models split across feature packages: app/users/models.py, app/orders/models.py."""
    root = project(
        {
            "app/__init__.py": "",
            "app/db.py": ag2.DB,
            "app/users/__init__.py": "",
            "app/users/models.py": model("User", "users"),
            "app/orders/__init__.py": "",
            "app/orders/models.py": model("Order", "orders"),
            "app/billing/__init__.py": "from . import models  # noqa: F401\n",
            "app/billing/models.py": model("Invoice", "invoices"),
        },
        env="import app.users.models  # noqa: F401\nimport app.billing\nfrom app.db import Base\ntarget_metadata = Base.metadata",
    )
    found = ag2.findings(root)
    assert ag2.summary(found) == [("AG201", "app/orders/models.py", 5)]
    assert found[0].hint == "add `import app.orders.models  # noqa: F401` to `migrations/env.py`"


def test_models_split_across_packages_with_a_registry_module(project, ag2):
    """core/ and plugins/ hold models; env.py imports a registry module that imports some."""
    root = project(
        {
            "core/__init__.py": "",
            "core/db.py": ag2.DB,
            "core/models.py": model("Account", "accounts", "from core.db import Base"),
            "plugins/__init__.py": "",
            "plugins/shop/__init__.py": "",
            "plugins/shop/models.py": model("Product", "products", "from core.db import Base"),
            "plugins/blog/__init__.py": "",
            "plugins/blog/models.py": model("Post", "posts", "from core.db import Base"),
            "registry.py": "import importlib\n\nimport core.models  # noqa: F401\n\nimportlib.import_module('plugins.shop.models')\n",
        },
        env="import registry  # noqa: F401\nfrom core.db import Base\ntarget_metadata = Base.metadata",
    )
    assert ag2.summary(ag2.findings(root)) == [("AG201", "plugins/blog/models.py", 5)]


def test_star_import_chain(project, ag2):
    """env.py star-imports a package whose __init__ star-imports submodules with __all__."""
    root = project(
        {
            "app/__init__.py": "",
            "app/db.py": ag2.DB,
            "app/models/__init__.py": "from app.models.base import *  # noqa: F403\nfrom app.models.people import *  # noqa: F403\n",
            "app/models/base.py": "from app.db import Base\n__all__ = ['Base']\n",
            "app/models/people.py": model("Person", "people") + "\n__all__ = ['Person']\n",
            "app/models/things.py": model("Thing", "things"),
        },
        env="from app.models import *  # noqa: F403\ntarget_metadata = Base.metadata  # noqa: F405",
    )
    found = ag2.findings(root)
    assert ag2.summary(found) == [("AG201", "app/models/things.py", 5)]
    assert "or `from . import things  # noqa: F401` to `app/models/__init__.py`" in found[0].hint


def test_model_imported_only_by_the_web_app(project, ag2):
    """The web app imports the model (so the app works), but Alembic never runs the app."""
    root = project(
        {
            "app/__init__.py": "",
            "app/db.py": ag2.DB,
            "app/models/__init__.py": "from app.models.user import User  # noqa: F401\n",
            "app/models/user.py": model("User", "users"),
            "app/models/order.py": model("Order", "orders"),
            "app/web.py": "from fastapi import FastAPI\n\nfrom app.models.order import Order\n\napp = FastAPI()\n",
        },
        env="from app.models import User  # noqa: F401\nfrom app.db import Base\ntarget_metadata = Base.metadata",
    )
    (f,) = ag2.findings(root)
    assert (f.code, str(f.location.path), f.location.line) == ("AG201", "app/models/order.py", 5)
    assert "only application code imports it (`app/web.py` (line 3)), and Alembic does not run that" in f.message
    assert [(str(r.path), r.line) for r in f.related] == [("app/web.py", 3)]
    assert f.hint.startswith("add `import app.models.order  # noqa: F401` to `migrations/env.py`")


def test_src_layout_and_installed_package_name(project, ag2):
    root = project(
        {
            "src/shop/__init__.py": "",
            "src/shop/db.py": ag2.DB,
            "src/shop/models.py": model("Cart", "carts", "from shop.db import Base"),
            "src/shop/extra.py": model("Wish", "wishes", "from shop.db import Base"),
        },
        env="import shop.models  # noqa: F401\nfrom shop.db import Base\ntarget_metadata = Base.metadata",
    )
    found = ag2.findings(root)
    assert ag2.summary(found) == [("AG201", "src/shop/extra.py", 5)]
    assert found[0].hint == "add `import shop.extra  # noqa: F401` to `migrations/env.py`"


def test_prepend_sys_path_from_alembic_ini(project, ag2):
    ini = "[alembic]\nscript_location = %(here)s/migrations\nprepend_sys_path = backend\n"
    root = project(
        {
            "backend/app/__init__.py": "",
            "backend/app/db.py": ag2.DB,
            "backend/app/models.py": model("User", "users"),
            "backend/app/more.py": model("Extra", "extras"),
        },
        env="import app.models  # noqa: F401\nfrom app.db import Base\ntarget_metadata = Base.metadata",
        ini=ini,
    )
    found = ag2.findings(root)
    assert ag2.summary(found) == [("AG201", "backend/app/more.py", 5)]
    assert found[0].hint == "add `import app.more  # noqa: F401` to `migrations/env.py`"


def test_alembic_project_in_a_subfolder_with_prepend_sys_path_parent(tmp_path, ag2):
    """repo/db/alembic.ini with `prepend_sys_path = ..`; the app package lives in repo/app."""
    ini = "[alembic]\nscript_location = %(here)s/migrations\nprepend_sys_path = ..\n"
    ag2.write_project(tmp_path / "repo", {
        "app/__init__.py": "",
        "app/db.py": ag2.DB,
        "app/models.py": model("User", "users"),
        "app/late.py": model("Late", "late"),
    })
    root = ag2.write_project(
        tmp_path / "repo" / "db", {},
        env="import app.models  # noqa: F401\nfrom app.db import Base\ntarget_metadata = Base.metadata", ini=ini,
    )
    found = ag2.findings(root)
    assert ag2.summary(found) == [("AG201", "../app/late.py", 5)]
    assert found[0].hint == "add `import app.late  # noqa: F401` to `migrations/env.py`"
