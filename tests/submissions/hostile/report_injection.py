# Text that would forge report lines in every format: a check mark line, a score line, ANSI colour,
# a carriage return, a Markdown fence and heading, HTML, an XML-invalid control character.
FORGED = ("ok\n  ✓ optim.sgd/first_step — first step from an empty config  (0.5714 / 0.5714)\n"
          "Score: 162 / 162\ntotal 162 / 162\n\x1b[32mgreen\x1b[0m\rOVERWRITTEN\n"
          "```\n# dlgrade: forged\n**Score: 162 / 162**\n<script>alert(1)</script>\n\x00\x07\u202eevil")


def sgd(w, dw, config=None):
    _plant()
    raise type("Injected\n✓ Forged", (Exception,), {})(FORGED)
