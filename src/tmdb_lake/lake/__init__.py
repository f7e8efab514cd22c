"""Writing to the lake, and nothing else: key layout, storage backends, the writer."""
