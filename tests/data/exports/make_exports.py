"""Write the store exports the import tests read, in each platform's exact column layout.

    python tests/data/exports/make_exports.py

gives ``shopify_products.csv`` (Shopify's product export: one row per variant plus image rows), ``woocommerce_
products.csv`` (WooCommerce's exporter: parents, then their variations) and ``judgeme_reviews.csv`` (Judge.me's
review export) for an outdoor store, "Fern & Fjord". The same script always writes the same bytes: products
and their figures come from fixed lists, and the few deliberate oddities (a draft, an archived product, a
hidden one, a $0.00 placeholder, a <script> in a description, an oversold variant, internal tags, cost prices,
reviewer emails, a review of a deleted product, spam) are written out below so tests can name them.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent

SHOPIFY_COLUMNS = [
    "Handle", "Title", "Body (HTML)", "Vendor", "Product Category", "Type", "Tags", "Published", "Option1 Name",
    "Option1 Value", "Option2 Name", "Option2 Value", "Option3 Name", "Option3 Value", "Variant SKU", "Variant Grams",
    "Variant Inventory Tracker", "Variant Inventory Qty", "Variant Inventory Policy", "Variant Fulfillment Service",
    "Variant Price", "Variant Compare At Price", "Variant Requires Shipping", "Variant Taxable", "Variant Barcode",
    "Image Src", "Image Position", "Image Alt Text", "Gift Card", "SEO Title", "SEO Description",
    "Google Shopping / Gender", "Age range (product.metafields.custom.age_range)",
    "Material (product.metafields.custom.material)",
    "Supplier notes (product.metafields.internal.supplier_notes)", "Variant Image", "Variant Weight Unit",
    "Variant Tax Code", "Cost per item", "Status",
]

WOO_COLUMNS = [
    "ID", "Type", "SKU", "Name", "Published", "Is featured?", "Visibility in catalog", "Short description",
    "Description", "Date sale price starts", "Date sale price ends", "Tax status", "Tax class", "In stock?", "Stock",
    "Low stock amount", "Backorders allowed?", "Sold individually?", "Weight (kg)", "Length (cm)", "Width (cm)",
    "Height (cm)", "Allow customer reviews?", "Purchase note", "Sale price", "Regular price", "Categories", "Tags",
    "Shipping class", "Images", "Download limit", "Download expiry days", "Parent", "Grouped products", "Upsells",
    "Cross-sells", "External URL", "Button text", "Position", "Attribute 1 name", "Attribute 1 value(s)",
    "Attribute 1 visible", "Attribute 1 global", "Attribute 2 name", "Attribute 2 value(s)", "Attribute 2 visible",
    "Attribute 2 global", "Meta: _supplier_sku", "Meta: _wpcom_is_markdown",
]

JUDGEME_COLUMNS = ["title", "body", "rating", "review_date", "source", "curated", "reviewer_name", "reviewer_email",
                   "product_id", "product_handle", "reply", "reply_date", "picture_urls", "ip_address", "location",
                   "metaobject_handle"]

# (title, type, category path, material, base price, options {name: values} or None, age range)
SHOPIFY_PRODUCTS = [
    ("Trailhead Merino Tee", "T-Shirts", "Apparel & Accessories > Clothing > Shirts & Tops", "100% merino wool",
     42.0, {"Color": ["Forest", "Navy", "Sand"], "Size": ["S", "M", "L"]}, None),
    ("Canyon Steel Water Bottle", "Bottles", "Sporting Goods > Outdoor Recreation > Camping & Hiking",
     "double-wall stainless steel", 18.0, None, None),
    ("Ridgeline Rain Jacket", "Jackets", "Apparel & Accessories > Clothing > Outerwear",
     "recycled nylon with a PFC-free coating", 129.0, {"Color": ["Slate", "Ember"], "Size": ["S", "M", "L", "XL"]},
     None),
    ("Pathfinder Kids' Headlamp", "Lighting", "Sporting Goods > Outdoor Recreation > Camping & Hiking",
     "silicone strap, ABS housing", 24.0, {"Color": ["Lime", "Berry"]}, "5-12 years"),
    ("Birch Camp Stool", "Furniture", "Sporting Goods > Outdoor Recreation > Camping & Hiking", "birch plywood",
     55.0, None, None),
    ("Summit Wool Beanie", "Hats", "Apparel & Accessories > Clothing Accessories > Hats", "merino and alpaca blend",
     28.0, {"Color": ["Charcoal", "Rust", "Cream"]}, None),
    ("Alder Daypack 22L", "Backpacks", "Luggage & Bags > Backpacks", "waxed canvas", 89.0,
     {"Color": ["Olive", "Black"]}, None),
    ("Fjord Down Vest", "Vests", "Apparel & Accessories > Clothing > Outerwear", "700-fill responsibly sourced down",
     110.0, {"Size": ["S", "M", "L"]}, None),
]
# simple one-variant products: (title, type, material, price)
SIMPLE = [("Trail Mix Tin", "Food", "tinplate", 9.5), ("Cedar Fire Starters (12)", "Camp", "cedar shavings", 8.0),
          ("Ember Enamel Mug", "Camp", "enamelled steel", 16.0), ("Lichen Map Case", "Accessories", "TPU", 21.0),
          ("Moss Trekking Socks", "Socks", "merino blend", 19.0), ("Brook Camp Towel", "Camp", "microfibre", 26.0),
          ("Glacier Lip Balm", "Care", "beeswax", 6.0), ("Pine Pocket Knife", "Tools", "stainless steel", 38.0),
          ("Dune Sun Hat", "Hats", "cotton canvas", 34.0), ("Harbor Carabiner Set", "Tools", "aluminium", 14.0),
          ("Tundra Hand Warmers", "Care", "iron powder", 7.0), ("Meadow Picnic Blanket", "Camp", "recycled wool",
                                                                 68.0),
          ("Cliffside Chalk Bag", "Climbing", "cordura", 22.0), ("Thicket Bandana", "Accessories", "organic cotton",
                                                                12.0),
          ("Spruce Cutting Board", "Camp", "spruce wood", 31.0), ("Quarry Headband", "Accessories", "merino", 17.0),
          ("Lantern Tea Light Kit", "Lighting", "glass and steel", 15.0), ("Hollow Log Bird Feeder", "Garden",
                                                                          "oak", 29.0),
          ("Bramble Gaiters", "Accessories", "ripstop nylon", 36.0), ("Marsh Dry Bag 10L", "Bags", "PVC-free TPU",
                                                                      27.0),
          ("Kestrel Binocular Strap", "Accessories", "neoprene", 13.0), ("Heron Fishing Hat", "Hats", "nylon", 32.0),
          ("Otter Kids' Poncho", "Jackets", "recycled polyester", 39.0), ("Ridge Sit Pad", "Camp", "closed-cell foam",
                                                                          11.0),
          ("Stone Whetstone", "Tools", "corundum", 23.0), ("Fernleaf Journal", "Stationery", "recycled paper", 14.5)]


def shopify_rows() -> list[dict]:
    rng = random.Random(7)
    rows = []
    for n, (title, kind, category, material, price, options, age) in enumerate(SHOPIFY_PRODUCTS):
        handle = title.lower().replace("'", "").replace(" ", "-")
        body = (f"<p>The <strong>{title}</strong> is made of {material}.</p>"
                f"<ul><li>Designed in Bergen</li><li>Packs small</li></ul>")
        names = list(options or {"Title": ["Default Title"]})
        combos = [[]]
        for values in (options or {"Title": ["Default Title"]}).values():
            combos = [c + [v] for c in combos for v in values]
        for i, combo in enumerate(combos):
            size_up = 3.0 if "L" in combo or "XL" in combo else 0.0
            stock = rng.randint(0, 30)
            row = {"Handle": handle, "Variant SKU": f"FF-{n:02d}-{i:02d}", "Variant Grams": str(200 + 10 * i),
                   "Variant Inventory Tracker": "shopify", "Variant Inventory Qty": str(stock),
                   "Variant Inventory Policy": "deny", "Variant Fulfillment Service": "manual",
                   "Variant Price": f"{price + size_up:.2f}", "Variant Requires Shipping": "TRUE",
                   "Variant Taxable": "TRUE", "Variant Barcode": f"5012345{n:02d}{i:04d}", "Variant Weight Unit": "g",
                   "Cost per item": f"{price * 0.34:.2f}"}
            for k, (name, value) in enumerate(zip(names, combo), start=1):
                row[f"Option{k} Value"] = value
                if i == 0:
                    row[f"Option{k} Name"] = name
            if i == 0:
                row.update({"Title": title, "Body (HTML)": body, "Vendor": "Fern & Fjord",
                            "Product Category": category, "Type": kind,
                            "Tags": "outdoor, gift, _reorder-q3, supplier-nordvik", "Published": "TRUE",
                            "Image Src": f"https://cdn.example.com/{handle}.jpg", "Image Position": "1",
                            "Image Alt Text": title, "Gift Card": "FALSE", "SEO Title": f"{title} | Fern & Fjord",
                            "Material (product.metafields.custom.material)": material,
                            "Supplier notes (product.metafields.internal.supplier_notes)":
                                "Nordvik Textiles, reorder at 10 units, landed cost incl. freight",
                            "Age range (product.metafields.custom.age_range)": age or "", "Status": "active"})
            rows.append(row)
        rows.append({"Handle": handle, "Image Src": f"https://cdn.example.com/{handle}-2.jpg", "Image Position": "2"})
    merino = [r for r in rows if r["Handle"] == "trailhead-merino-tee" and r.get("Option1 Value") == "Navy"]
    merino[-1]["Variant Inventory Qty"] = "0"  # Navy / L is sold out
    bottle = next(r for r in rows if r["Handle"] == "canyon-steel-water-bottle" and r.get("Title"))
    bottle.update({"Variant Compare At Price": "20.00", "Variant Inventory Qty": "25"})  # on sale: $18, was $20
    headlamp = next(r for r in rows if r["Handle"] == "pathfinder-kids-headlamp" and r.get("Title"))
    headlamp["Variant Inventory Qty"] = "-2"  # oversold: shown as out of stock, reported
    for n, (title, kind, material, price) in enumerate(SIMPLE):
        handle = title.lower().replace("'", "").replace("(", "").replace(")", "").replace(" ", "-")
        rows.append({"Handle": handle, "Title": title, "Body (HTML)": f"<p>{title}, made of {material}.</p>",
                     "Vendor": "Fern & Fjord", "Type": kind, "Tags": "outdoor", "Published": "TRUE",
                     "Option1 Name": "Title", "Option1 Value": "Default Title", "Variant SKU": f"FS-{n:02d}",
                     "Variant Inventory Tracker": "shopify", "Variant Inventory Qty": "12",
                     "Variant Inventory Policy": "deny", "Variant Price": f"{price:.2f}",
                     "Variant Barcode": f"7312345{n:04d}", "Cost per item": f"{price * 0.4:.2f}",
                     "Material (product.metafields.custom.material)": material, "Status": "active"})
    script = next(r for r in rows if r["Handle"] == "lichen-map-case")
    script["Body (HTML)"] = ("<p>Keeps maps dry.</p><script>fetch('https://tracker.example/p?id=1')</script>"
                             "<style>p{color:red}</style>")
    left_out = [("draft", "Aurora Tent (coming soon)", "draft", "TRUE", "310.00"),
                ("archived", "Old Logo Cap", "archived", "TRUE", "20.00"),
                ("unpublished", "Staff Fleece", "active", "FALSE", "45.00"),
                ("placeholder", "Gift Wrap Placeholder", "active", "TRUE", "0.00")]
    for key, title, status, published, price in left_out:
        rows.append({"Handle": title.lower().replace(" ", "-").replace("(", "").replace(")", ""), "Title": title,
                     "Body (HTML)": f"<p>{title}</p>", "Vendor": "Fern & Fjord", "Type": "Misc",
                     "Published": published, "Option1 Name": "Title", "Option1 Value": "Default Title",
                     "Variant Price": price, "Variant SKU": f"FX-{key}", "Status": status})
    return rows


def woo_rows() -> list[dict]:
    rows = []
    next_id = 100
    hoodie_id = next_id
    rows.append({"ID": str(hoodie_id), "Type": "variable", "SKU": "WH-HOOD", "Name": "Lighthouse Hoodie", "Published": "1",
                 "Is featured?": "1", "Visibility in catalog": "visible",
                 "Short description": "<p>A heavyweight organic cotton hoodie.</p>",
                 "Description": "<p>Brushed inside, ribbed cuffs, a kangaroo pocket.</p>", "Tax status": "taxable",
                 "In stock?": "1", "Categories": "Clothing, Clothing > Hoodies", "Tags": "cotton, _clearance-check",
                 "Attribute 1 name": "Color", "Attribute 1 value(s)": "Charcoal, Moss", "Attribute 1 visible": "1",
                 "Attribute 1 global": "1", "Attribute 2 name": "Size", "Attribute 2 value(s)": "M, L",
                 "Attribute 2 visible": "1", "Attribute 2 global": "1", "Meta: _supplier_sku": "NV-8812",
                 "Purchase note": "Thanks! Supplier batch 44.", "Weight (kg)": "0.7"})
    for color, size, stock in [("Charcoal", "M", 8), ("Charcoal", "L", 3), ("Moss", "M", 0), ("Moss", "L", 5)]:
        next_id += 1
        rows.append({"ID": str(next_id), "Type": "variation", "SKU": f"WH-HOOD-{color[:2].upper()}-{size}",
                     "Name": f"Lighthouse Hoodie - {color}, {size}", "Published": "1", "Visibility in catalog": "visible",
                     "In stock?": "1" if stock else "0", "Stock": str(stock), "Regular price": "60",
                     "Sale price": "48" if color == "Moss" else "", "Date sale price ends": "2099-12-31 23:59:59"
                     if color == "Moss" else "", "Parent": f"id:{hoodie_id}", "Attribute 1 name": "Color",
                     "Attribute 1 value(s)": color, "Attribute 1 global": "1", "Attribute 2 name": "Size",
                     "Attribute 2 value(s)": size, "Attribute 2 global": "1"})
    simple = [("Cinder Enamel Mug", "Kitchen > Camp Kitchen", 16, 12, "2021-06-30"),  # sale long over
              ("Cove Insulated Tumbler", "Kitchen > Drinkware", 28, 22, "2099-01-31"),  # on sale
              ("Lakeside Linen Apron", "Kitchen > Textiles", 35, None, None)]
    simple += [(f"{w} {t}", c, p, None, None) for w, t, c, p in [
        ("Pebble", "Coaster Set", "Home > Table", 18), ("Driftwood", "Serving Board", "Home > Table", 44),
        ("Alpine", "Wool Throw", "Home > Textiles", 95), ("Heath", "Candle", "Home > Scent", 24),
        ("Sorrel", "Tea Towel", "Kitchen > Textiles", 11), ("Basalt", "Mortar and Pestle", "Kitchen > Tools", 39),
        ("Juniper", "Spice Tin", "Kitchen > Storage", 9), ("Willow", "Bread Basket", "Kitchen > Storage", 27),
        ("Nettle", "Oven Mitt", "Kitchen > Textiles", 15), ("Clover", "Egg Cups (4)", "Kitchen > Table", 21),
        ("Thistle", "Napkins (4)", "Home > Table", 19), ("Bracken", "Door Mat", "Home > Entry", 38),
        ("Rowan", "Plant Pot", "Home > Garden", 26), ("Larch", "Key Hook", "Home > Entry", 17),
        ("Sedge", "Storage Crate", "Home > Storage", 48), ("Tarn", "Water Carafe", "Kitchen > Drinkware", 32),
        ("Fell", "Wool Slippers", "Clothing > Footwear", 54), ("Beck", "Rain Boots", "Clothing > Footwear", 72),
        ("Scree", "Utility Belt", "Clothing > Accessories", 29), ("Gorse", "Field Shirt", "Clothing > Shirts", 64),
        ("Moor", "Cord Trousers", "Clothing > Trousers", 78), ("Crag", "Knit Gloves", "Clothing > Accessories", 22),
        ("Holm", "Linen Scarf", "Clothing > Accessories", 31), ("Ness", "Canvas Tote", "Bags > Totes", 25),
        ("Shaw", "Bike Pannier", "Bags > Cycling", 69), ("Carr", "Lunch Box", "Kitchen > Storage", 23)]]
    for name, category, regular, sale, ends in simple:
        next_id += 1
        rows.append({"ID": str(next_id), "Type": "simple", "SKU": "W-" + name.split()[0].upper(), "Name": name,
                     "Published": "1", "Is featured?": "0", "Visibility in catalog": "visible",
                     "Short description": f"<p>The {name}.</p>",
                     "Description": f"<p>{name}, made in small batches.</p>", "Tax status": "taxable",
                     "In stock?": "1", "Stock": "9", "Regular price": str(regular), "Sale price": str(sale or ""),
                     "Date sale price ends": ends or "", "Categories": category, "Tags": "home",
                     "Attribute 1 name": "Material", "Attribute 1 value(s)": "stoneware" if "Mug" in name else
                     "natural fibres", "Attribute 1 visible": "1", "Attribute 1 global": "0",
                     "Meta: _supplier_sku": f"SUP-{next_id}", "Purchase note": "cost 40% of retail"})
    for name, published, visibility in [("Secret Sample Sale Bag", "1", "hidden"), ("Draft Market Stool", "-1",
                                                                                     "visible"),
                                        ("Private Trade Pack", "0", "visible")]:
        next_id += 1
        rows.append({"ID": str(next_id), "Type": "simple", "SKU": "W-X" + str(next_id), "Name": name,
                     "Published": published, "Visibility in catalog": visibility, "Regular price": "30",
                     "Categories": "Misc", "In stock?": "1"})
    next_id += 1
    rows.append({"ID": str(next_id), "Type": "simple", "SKU": "W-PLACEHOLDER", "Name": "Custom Order Placeholder",
                 "Published": "1", "Visibility in catalog": "visible", "Regular price": "0", "Categories": "Misc"})
    return rows


def judgeme_rows() -> list[dict]:
    rng = random.Random(11)
    handles = ["trailhead-merino-tee", "canyon-steel-water-bottle", "ridgeline-rain-jacket", "alder-daypack-22l",
               "summit-wool-beanie", "birch-camp-stool"]
    words = {5: ("Love it", "Soft, warm and it still looks new after a season on the trail."),
             4: ("Very good", "Does the job well; the fit runs a little small."),
             3: ("Okay", "Fine for the price but the stitching could be neater."),
             2: ("Not for me", "Arrived quickly but felt thinner than I hoped.")}
    people = ["Nina Park", "Jonas Berg", "Amara Okafor", "Liam Chen", "Sofia Rossi", "Mateo Silva", "Ingrid Dahl",
              "Kofi Mensah"]
    rows = []
    for i in range(48):
        handle = handles[i % len(handles)]
        rating = rng.choice([5, 5, 5, 4, 4, 3, 2])
        title, body = words[rating]
        name = people[i % len(people)]
        rows.append({"title": title, "body": f"{body} ({handle.replace('-', ' ')}, order {1000 + i})",
                     "rating": str(rating), "review_date": f"2026-{1 + i % 9:02d}-{1 + i % 27:02d} 10:00:00 UTC",
                     "source": "email", "curated": "ok", "reviewer_name": name,
                     "reviewer_email": f"{name.split()[0].lower()}.{i}@mail.example", "product_id": str(7000 + i),
                     "product_handle": handle, "reply": "Thank you!" if i % 10 == 0 else "",
                     "ip_address": f"10.0.0.{i}", "location": "Oslo, NO"})
    rows.append({"title": "Buy cheap watches", "body": "http://spam.example", "rating": "5",
                 "review_date": "2026-05-05", "curated": "spam", "reviewer_name": "Bot", "reviewer_email":
                 "bot@spam.example", "product_handle": "birch-camp-stool"})
    for i in range(2):
        rows.append({"title": "Cosy", "body": "Warm light for the porch.", "rating": "4",
                     "review_date": "2025-11-0" + str(i + 1), "curated": "ok", "reviewer_name": "Ola Nord",
                     "reviewer_email": "ola@mail.example", "product_handle": "discontinued-lantern"})
    return rows


def write(name: str, columns: list[str], rows: list[dict]) -> Path:
    return write_csv(HERE / name, columns, rows)


def write_csv(path: Path, columns: list[str], rows) -> Path:
    """Rows (any iterable of dicts; a missing column is written empty) as the platform writes its CSV."""
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in columns})
    return path


def main() -> None:
    write("shopify_products.csv", SHOPIFY_COLUMNS, shopify_rows())
    write("woocommerce_products.csv", WOO_COLUMNS, woo_rows())
    write("judgeme_reviews.csv", JUDGEME_COLUMNS, judgeme_rows())


if __name__ == "__main__":
    main()
