"""Store platform exports, read as the platforms write them: Shopify and WooCommerce products, Judge.me and
Shopify Product Reviews reviews.

One module a job: ``table`` reads the CSV however a spreadsheet saved it, ``detect`` recognises the format by
its header, ``shopify``, ``woocommerce`` and ``reviews_export`` read one format each, ``catalog_record`` builds
the project's catalog record (and decides what is private), ``importer`` writes the records into a knowledge
folder. Live platform APIs and webhooks are not here.
"""
