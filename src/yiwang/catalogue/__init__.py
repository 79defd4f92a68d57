"""Service catalogue (事项目录).

items with their national elements, materials and how each is obtained, forms, 一件事 bundles; versioned.
"""
