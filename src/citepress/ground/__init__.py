"""The ground floor: where citepress meets the outside world.

pandoc (one run, or many in a few processes), the sandbox every external process
runs in, the fenced PDF worker, atomic writes, the guarded reading of project files
(confinement, positions, safe YAML), and the stores kept in the user's cache folder
(one digest, tool versions, pruning). Nothing here imports anything of citepress
above it; every stage above may import it.
"""
