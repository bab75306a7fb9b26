"""Rows of nbgrader's gradebook moved between gradebooks, so that a Dask worker grades without the real one.

A worker gets a small SQLite gradebook holding one assignment (its notebooks, cells and hidden tests:
:func:`assignment_rows`, written by :func:`template_gradebook`) and the current rows of the students
of its batch (:func:`student_rows`: student, submitted assignment and notebooks, grades, comments);
nbgrader grades into it exactly as it would into the real gradebook. The worker gives back each
student's rows, and the client, the only writer of the real gradebook (SQLite or PostgreSQL), puts
them there with :func:`replace_submission`, one student per transaction.

Rows are ``{table name: [row as a dict]}``, read and written through nbgrader's own table
definitions (``nbgrader.api.Base.metadata``). They keep their ids: nbgrader's ids are random UUIDs,
and the template copies the real gradebook's assignment rows, so a worker's grades point at the real
gradebook's cells.
"""
from __future__ import annotations

from nbgrader.api import Base
from sqlalchemy import create_engine, event, select, text

TABLES = Base.metadata.tables
# Every table of a submission, parents first (the order inserts need).
STUDENT_TABLES = ("student", "submitted_assignment", "submitted_notebook", "grade", "comment")


def engine(db_url):
    """An SQLAlchemy engine on nbgrader's db_url; SQLite waits up to 60 s for another writer's lock."""
    if db_url.startswith("sqlite"):
        eng = create_engine(db_url, connect_args={"timeout": 60})
        # pysqlite's own transaction handling would open the transaction late (at the first write)
        event.listen(eng, "connect", lambda con, _: setattr(con, "isolation_level", None))
        event.listen(eng, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        return eng
    return create_engine(db_url)


def find_assignment(conn, name):
    """(id, course id) of the assignment called name; LookupError when the gradebook does not have it."""
    a = TABLES["assignment"]
    found = conn.execute(select(a.c.id, a.c.course_id).where(a.c.name == name)).all()
    if len(found) != 1:
        raise LookupError(f"the gradebook has {len(found)} assignments named {name!r}, expected one: run "
                          f"`nbgrader generate_assignment {name}` in the course root first")
    return tuple(found[0])


def _read(conn, queries):
    return {table: [dict(row._mapping) for row in conn.execute(q)] for table, q in queries.items()}


def assignment_rows(conn, assignment_id):
    """{table: rows} of one assignment: the assignment, its notebooks and every kind of cell."""
    a, nb, cell = TABLES["assignment"], TABLES["notebook"], TABLES["base_cell"]
    notebooks = select(nb.c.id).where(nb.c.assignment_id == assignment_id)
    cells = select(cell.c.id).where(cell.c.notebook_id.in_(notebooks))
    queries = {"assignment": a.select().where(a.c.id == assignment_id),
               "notebook": nb.select().where(nb.c.assignment_id == assignment_id),
               "base_cell": cell.select().where(cell.c.notebook_id.in_(notebooks)),
               "source_cell": TABLES["source_cell"].select().where(TABLES["source_cell"].c.notebook_id.in_(notebooks))}
    for kind in ("grade_cells", "solution_cells", "task_cells"):
        queries[kind] = TABLES[kind].select().where(TABLES[kind].c.id.in_(cells))
    return _read(conn, queries)


def _submission_ids(assignment_id, students):
    sa, sn = TABLES["submitted_assignment"], TABLES["submitted_notebook"]
    subs = select(sa.c.id).where(sa.c.assignment_id == assignment_id, sa.c.student_id.in_(students))
    return subs, select(sn.c.id).where(sn.c.assignment_id.in_(subs))


def student_rows(conn, assignment_id, students):
    """{table: rows} of the students (a list of ids) and of their submissions of one assignment."""
    subs, notebooks = _submission_ids(assignment_id, students)
    st, sa, sn, g, cm = (TABLES[t] for t in STUDENT_TABLES)
    return _read(conn, {"student": st.select().where(st.c.id.in_(students)),
                        "submitted_assignment": sa.select().where(sa.c.id.in_(subs)),
                        "submitted_notebook": sn.select().where(sn.c.assignment_id.in_(subs)),
                        "grade": g.select().where(g.c.notebook_id.in_(notebooks)),
                        "comment": cm.select().where(cm.c.notebook_id.in_(notebooks))})


def insert_rows(conn, rows):
    """Insert {table: rows}, parents before children."""
    for table in Base.metadata.sorted_tables:
        if rows.get(table.name):
            conn.execute(table.insert(), rows[table.name])


def replace_submission(conn, assignment_id, student, rows):
    """Put one student's submission (rows from :func:`student_rows` for that student alone) in place of
    the one conn's gradebook holds, in conn's transaction. The student's row is added when missing,
    never changed (names and e-mail stay as the instructor imported them)."""
    subs, notebooks = _submission_ids(assignment_id, [student])
    for table in ("grade", "comment"):
        conn.execute(TABLES[table].delete().where(TABLES[table].c.notebook_id.in_(notebooks)))
    sa, sn, st = TABLES["submitted_assignment"], TABLES["submitted_notebook"], TABLES["student"]
    conn.execute(sn.delete().where(sn.c.assignment_id.in_(subs)))
    conn.execute(sa.delete().where(sa.c.assignment_id == assignment_id, sa.c.student_id == student))
    known = conn.execute(select(st.c.id).where(st.c.id == student)).first() is not None
    insert_rows(conn, {t: r for t, r in rows.items() if t != "student" or not known})


def template_gradebook(db_url, assignment, path):
    """Write a new SQLite gradebook at path holding only the assignment (as db_url's gradebook has it);
    returns the assignment's id. LookupError when db_url's gradebook does not have the assignment."""
    source = engine(db_url)
    try:
        with source.connect() as conn:
            assignment_id, course_id = find_assignment(conn, assignment)
            rows = assignment_rows(conn, assignment_id)
            rows["course"] = _read(conn, {"course": TABLES["course"].select().where(TABLES["course"].c.id == course_id)})["course"]
            version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    finally:
        source.dispose()
    template = engine(f"sqlite:///{path}")
    try:
        Base.metadata.create_all(template)
        with template.begin() as conn:
            # the real gradebook's migration stamp, as nbgrader's Gradebook writes it into a new database
            conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
            conn.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": version})
            insert_rows(conn, rows)
    finally:
        template.dispose()
    return assignment_id


def add_rows(db_url, rows):
    """Insert {table: rows} into the gradebook at db_url, in one transaction."""
    eng = engine(db_url)
    try:
        with eng.begin() as conn:
            insert_rows(conn, rows)
    finally:
        eng.dispose()
