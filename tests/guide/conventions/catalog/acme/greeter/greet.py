#!/usr/bin/env python3
import sys

print(f"Hello, {' '.join(sys.argv[1:])}, from acme/greeter")
