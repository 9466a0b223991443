"""The WSGI entry point gunicorn serves: ``gunicorn -c config/gunicorn.conf.py wsgi:app``."""

from walletsvc import create_app

app = create_app()
