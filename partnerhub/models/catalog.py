"""The product taxonomy, which categories help each other sell, and partners' lines."""

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from partnerhub.core.db import Base, JSONType, utcnow

if TYPE_CHECKING:
    from partnerhub.models.partner import Partner


class Category(Base):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))

    parent: Mapped["Category | None"] = relationship(remote_side=[id])


class Complement(Base):
    """One direction of "a line in this category helps sell that category".

    A symmetric pair is stored as two rows so routing reads one direction only.
    """

    __tablename__ = "complements"
    __table_args__ = (
        UniqueConstraint("category_id", "complement_id"),
        CheckConstraint("category_id <> complement_id", name="not_self"),
        CheckConstraint("weight > 0 AND weight <= 1", name="weight_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"))
    complement_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"), index=True)
    weight: Mapped[float] = mapped_column(default=1.0)

    category: Mapped[Category] = relationship(foreign_keys=[category_id])
    complement: Mapped[Category] = relationship(foreign_keys=[complement_id])


class ProductLine(Base):
    __tablename__ = "product_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    regions: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # The few phrases, examples and properties that warm a lead up (law 4).
    warmup_script: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Handoffs keep pointing at a retired line, so deletion only archives it.
    archived_at: Mapped[datetime | None]

    partner: Mapped["Partner"] = relationship(back_populates="product_lines")
    category: Mapped[Category] = relationship()
