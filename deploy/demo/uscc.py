"""uscc - valid Unified Social Credit Codes, made on demand

Shared by the demo loader and the tests: the n-th code of the form 91440300
+ an organization code (8 characters and its GB 11714 check character) + the
GB 32100 check character, the same for the same n.
"""

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def org_code_check(body):
    """The GB 11714 check character of an 8-character organization code body."""
    total = sum((int(c) if c.isdigit() else ord(c) - ord("A") + 10) * w
                for c, w in zip(body, [3, 7, 9, 10, 5, 8, 4, 2]))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def uscc(n):
    """The n-th valid USCC of the form 91440300, an organization code (8 characters and its
    GB 11714 check character), and the GB 32100 check character."""
    body = ""
    for _ in range(8):
        body = USCC_CHARSET[n % 31] + body
        n //= 31
    body = "91440300" + body + org_code_check(body)
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(body, USCC_WEIGHTS))
    return body + USCC_CHARSET[(31 - total % 31) % 31]
