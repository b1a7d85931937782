"""Bulk statements: chunked IN lists, the driver's executemany, COPY on PostgreSQL."""

from ..extensions import db

CHUNK = 500


def _chunks(items):
    items = list(items)
    for i in range(0, len(items), CHUNK):
        yield items[i:i + CHUNK]


def _executemany(sql, rows):
    """Run `sql` (with {} where each parameter mark goes) once a row, through the driver's own
    executemany: SQLAlchemy's bulk paths spent more time building parameters than the database
    spent storing them."""
    mark = "?" if db.session.get_bind().dialect.paramstyle == "qmark" else "%s"
    db.session.connection().exec_driver_sql(sql.replace("{}", mark), rows)


def insert_tuples(model, columns, rows):
    """Insert tuple rows (in the order of `columns`): COPY on PostgreSQL, executemany on SQLite.

    COPY streams the rows in one statement; psycopg's pipelined executemany still had the server
    parse, plan and answer each row, a quarter of a push on PostgreSQL.
    """
    if not rows:
        return
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        with connection.connection.driver_connection.cursor() as cursor:
            with cursor.copy("COPY %s (%s) FROM STDIN" % (model.__table__.name, ", ".join(columns))) as copy:
                for row in rows:
                    copy.write_row(row)
        return
    _executemany("INSERT INTO %s (%s) VALUES (%s)" % (model.__table__.name, ", ".join(columns),
                                                      ", ".join(["{}"] * len(columns))), rows)
