"""Fail loudly when PostgreSQL or Redis is unreachable (CI must not skip silently)."""
import sys

import psycopg
import redis


def main(pg_url, redis_url):
    """Connect to both services; exit non-zero with the reason if either is down."""
    dsn = pg_url.replace("postgresql+psycopg://", "postgresql://")
    try:
        with psycopg.connect(dsn, connect_timeout=5) as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]
    except Exception as error:  # noqa: BLE001
        sys.exit(f"PostgreSQL unreachable at {dsn}: {error}")
    try:
        redis_version = redis.Redis.from_url(redis_url, socket_timeout=5).info()["redis_version"]
    except Exception as error:  # noqa: BLE001
        sys.exit(f"Redis unreachable at {redis_url}: {error}")
    print(f"services ok: PostgreSQL {version}, Redis {redis_version}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
