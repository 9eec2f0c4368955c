"""Flask extensions, created unbound and bound to the app in create_app()."""
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData

# Stable constraint names so that Alembic migrations can refer to them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))


def check_in(column, values, name):
    """Return a CHECK constraint that `column` holds one of `values` (an enum's members)."""
    listed = ", ".join(f"'{value}'" for value in values)
    return db.CheckConstraint(f"{column} IN ({listed})", name=name)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
# The remote address is the real client only because ProxyFix is configured with the
# actual number of proxies (PROXY_FIX_X_FOR); a raw X-Forwarded-For is never read.
limiter = Limiter(key_func=get_remote_address)
babel = Babel()
