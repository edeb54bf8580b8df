"""The store's website as knowledge: its pages read into Documents, politely and within limits.

``python -m chatbot index --site https://shop.example`` runs ``indexing.index_site``: ``robots.py`` reads
robots.txt (who may fetch what, and the sitemaps), ``sitemap.py`` lists the pages, ``crawl.py`` visits them
(or follows links from the start page when there is no sitemap) through ``fetch.py`` (one origin, a
User-Agent, byte and time limits, conditional requests), ``page.py`` turns a page into a Document whose
``url`` is the page, and ``validators.py`` keeps each page's ETag / Last-Modified in the index folder so a
re-run fetches only what changed. It renders no JavaScript and logs in nowhere: a page must carry its text.
"""
