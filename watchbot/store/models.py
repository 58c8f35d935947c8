"""The database schema. Changes ship as Alembic migrations in migrations/versions."""

from __future__ import annotations

from datetime import date, datetime, timezone
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from watchbot.core.clock import utcnow
from watchbot.store.states import DocumentState, PostState


class UtcDateTime(TypeDecorator[datetime]):
    """An aware datetime, read back aware (SQLite keeps no time zone: its values are UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value


class State(TypeDecorator[Any]):
    """A lifecycle state: stored as its string value, read back as the enum member."""

    impl = String(16)
    cache_ok = True

    def __init__(self, states: type[StrEnum]):
        super().__init__()
        self.states = states

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else self.states(value).value

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else self.states(value)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UtcDateTime()}


class SourceRow(Base):
    __tablename__ = "sources"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    first_run_at: Mapped[datetime] = mapped_column(default=utcnow)
    not_before: Mapped[date | None] = mapped_column(Date)
    last_success_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    last_found: Mapped[int] = mapped_column(Integer, default=0)
    crawl_progress: Mapped[str | None] = mapped_column(Text)  # JSON of discover.Progress


class DocumentRow(Base):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_code: Mapped[str] = mapped_column(ForeignKey("sources.code"), index=True)
    url: Mapped[str] = mapped_column(Text, unique=True)
    title: Mapped[str] = mapped_column(Text, default="")
    published: Mapped[date | None] = mapped_column(Date)
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[DocumentState] = mapped_column(State(DocumentState), default=DocumentState.NEW, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    retry_at: Mapped[datetime | None] = mapped_column()  # a waiting document is retried from then on
    last_error: Mapped[str | None] = mapped_column(Text)
    sha256: Mapped[str | None] = mapped_column(String(64))
    page_count: Mapped[int | None] = mapped_column(Integer)
    ocr_pages: Mapped[str] = mapped_column(Text, default="")  # comma-separated page numbers
    processed_at: Mapped[datetime | None] = mapped_column()
    backfill: Mapped[bool] = mapped_column(Boolean, default=False)  # read by a backfill's worker: never posted

    pages: Mapped[list[PageRow]] = relationship(back_populates="document", cascade="all, delete-orphan",
                                                order_by="PageRow.number")
    acts: Mapped[list[ActRow]] = relationship(back_populates="document", cascade="all, delete-orphan",
                                              order_by="ActRow.id")


class PageRow(Base):
    __tablename__ = "pages"

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    ocr: Mapped[bool] = mapped_column(Boolean, default=False)
    quality: Mapped[float | None] = mapped_column(Float)  # OCR mean word confidence, 0 to 1; None: text layer

    document: Mapped[DocumentRow] = relationship(back_populates="pages")


class ActRow(Base):
    __tablename__ = "acts"
    # a page found by full-text search -> the acts spanning it (watchbot.store.search)
    __table_args__ = (Index("ix_acts_document_pages", "document_id", "first_page", "last_page"),
                      Index("ix_acts_period", "period_start", "period_end"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    ref: Mapped[str | None] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(Text)
    first_page: Mapped[int | None] = mapped_column(Integer)
    last_page: Mapped[int | None] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(64), index=True)  # same act republished -> same key
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    # Its facts (SPEC §9, watchbot.core.models.Facts); kind None: no facts (no category, or stored before 0010).
    kind: Mapped[str | None] = mapped_column(String(16), index=True)
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    times: Mapped[str | None] = mapped_column(Text)  # a JSON list of strings
    scope: Mapped[str | None] = mapped_column(String(16))
    places: Mapped[str | None] = mapped_column(Text)  # a JSON list of strings
    cameras: Mapped[int | None] = mapped_column(Integer)

    document: Mapped[DocumentRow] = relationship(back_populates="acts")
    matches: Mapped[list[MatchRow]] = relationship(back_populates="act", cascade="all, delete-orphan",
                                                   order_by="MatchRow.id")
    communes: Mapped[list[ActCommuneRow]] = relationship(cascade="all, delete-orphan",
                                                         order_by="ActCommuneRow.position")
    facets: Mapped[list[ActFacetRow]] = relationship(cascade="all, delete-orphan", order_by="ActFacetRow.position")

    @property
    def categories(self) -> list[str]:
        return sorted({match.category for match in self.matches})


class MatchRow(Base):
    __tablename__ = "matches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    act_id: Mapped[int] = mapped_column(ForeignKey("acts.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(String(80))
    rule: Mapped[str] = mapped_column(Text)
    page: Mapped[int | None] = mapped_column(Integer)
    excerpt: Mapped[str] = mapped_column(Text)
    words: Mapped[str] = mapped_column(Text, default="")
    zone: Mapped[str | None] = mapped_column(String(20))  # where in the act: title, dispositif…; None before 0003

    act: Mapped[ActRow] = relationship(back_populates="matches")


class ActCommuneRow(Base):
    """A commune of an act's facts, as the gazetteer gave it when the facts were read."""

    __tablename__ = "act_communes"
    __table_args__ = (Index("ix_act_communes_insee", "insee", "act_id"),)

    act_id: Mapped[int] = mapped_column(ForeignKey("acts.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)  # the order of Facts.communes
    insee: Mapped[str] = mapped_column(String(5))
    name: Mapped[str] = mapped_column(Text)
    department: Mapped[str] = mapped_column(String(3))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    current_insee: Mapped[str | None] = mapped_column(String(5))
    commune_kind: Mapped[str] = mapped_column(String(16))  # Commune.kind: commune, arrondissement, deleguee…


class ActFacetRow(Base):
    """One value of an act's many-valued facts, a row each, to filter and count by (facet, value):
    `purpose` and `operator` (Facts.purposes, Facts.operators), and `department`: where the act applies, the
    départements of its communes, else the one it was read for (the source's, or its identifier's)."""

    __tablename__ = "act_facets"
    __table_args__ = (Index("ix_act_facets_value", "facet", "value", "act_id"),
                      Index("ix_act_facets_in_order", "act_id", "facet", "position", "value"))  # the export's lists

    act_id: Mapped[int] = mapped_column(ForeignKey("acts.id", ondelete="CASCADE"), primary_key=True)
    facet: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)  # the order of the value in its fact


class ActFirstRow(Base):
    """The copy counted of each act (its first RAA's, migration 0011), with the values counted; written by the
    database's triggers only."""

    __tablename__ = "act_firsts"
    __table_args__ = (UniqueConstraint("key", name="uq_act_firsts_key"),)

    act_id: Mapped[int] = mapped_column(ForeignKey("acts.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    published: Mapped[date | None] = mapped_column(Date)
    source_code: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str | None] = mapped_column(String(16))
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)


class StatsCellRow(Base):
    """The first copies of a month (their RAA's; '' undated) counted, per category ('' all) and value of a
    dimension (facet '' none; value '' none): watchbot.store.summary."""

    __tablename__ = "stats_cells"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    category: Mapped[str] = mapped_column(String(80), primary_key=True)
    facet: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(80), primary_key=True)
    acts: Mapped[int] = mapped_column(Integer)
    periods: Mapped[str] = mapped_column(Text)  # the union of their periods: "first:last" day ordinals, by ","


class StatsStaleRow(Base):
    """A month whose stats_cells are out of date (marked by the database's triggers)."""

    __tablename__ = "stats_stale"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)


class PostRow(Base):
    """The outbox: one row per (act, account), written with the act's matches."""

    __tablename__ = "posts"
    __table_args__ = (UniqueConstraint("account", "act_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account: Mapped[str] = mapped_column(String(80))
    act_key: Mapped[str] = mapped_column(String(64))
    act_id: Mapped[int] = mapped_column(ForeignKey("acts.id", ondelete="CASCADE"), index=True)
    categories: Mapped[str] = mapped_column(Text)  # comma-separated
    status: Mapped[PostState] = mapped_column(State(PostState), default=PostState.PENDING, index=True)
    idempotency_key: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    wait_reason: Mapped[str | None] = mapped_column(Text)  # why a queued toot waits; None: never tried or sent
    retry_at: Mapped[datetime | None] = mapped_column()  # a 429's reset time
    text: Mapped[str | None] = mapped_column(Text)
    remote_id: Mapped[str | None] = mapped_column(String(80))
    remote_url: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    posted_at: Mapped[datetime | None] = mapped_column()

    act: Mapped[ActRow] = relationship()


class RunRow(Base):
    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()
    exit_code: Mapped[int | None] = mapped_column(Integer)
    summary: Mapped[str | None] = mapped_column(Text)


class HttpCacheRow(Base):
    """Index pages with their HTTP validators, for conditional requests."""

    __tablename__ = "http_cache"

    url: Mapped[str] = mapped_column(Text, primary_key=True)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)
