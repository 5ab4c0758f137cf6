"""When each timed job last ran and who runs it now, so several workers never run one twice at once."""

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from partnerhub.core.db import Base


class JobRun(Base):
    __tablename__ = "job_runs"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    next_run_at: Mapped[datetime | None]
    # A worker runs the job until this time; after it, another may.
    lease_until: Mapped[datetime | None]
    last_finished_at: Mapped[datetime | None]
