"""Store platform exports, read as the platforms write them: Shopify and WooCommerce products, Judge.me and
Shopify Product Reviews reviews.

One module a job: ``table`` reads the CSV however a spreadsheet saved it, ``detect`` recognises the format by
its header, ``shopify``, ``woocommerce`` and ``reviews_export`` read one format each, ``catalog_record`` builds
the project's catalog record (and decides what is private), ``importer`` writes the records into a knowledge
folder, ``webhook_products`` reads the product JSON the platforms' webhooks send into the same records.
Receiving webhooks is ``ui/webhooks.py``'s job and applying them ``chatbot/ingest/live_catalog.py``'s; the
platforms' live APIs are not called.
"""
