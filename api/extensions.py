"""Flask extensions, created unbound here and bound to an app in create_app."""

from flask_jwt_extended import JWTManager
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from partnerhub.db import Base

# Models live on the domain's own Base; Flask-SQLAlchemy only supplies engine and session.
db = SQLAlchemy(metadata=Base.metadata)
migrate = Migrate()
jwt = JWTManager()
api = Api()
csrf = CSRFProtect()
