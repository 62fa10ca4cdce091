#!/bin/bash
# collects the notebooks and cs231n/ into a zip (the course script)
zip -r a2.zip cs231n *.ipynb
