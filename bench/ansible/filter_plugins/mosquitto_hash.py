"""mosquitto_hash: a mosquitto 2.0 password hash ($7$, PBKDF2-HMAC-SHA512, 101 iterations,
12-byte salt, standard base64), as mosquitto_passwd writes it, for the benchmark's Ansible role.

Ansible has no mosquitto password module. mosquitto_passwd salts randomly, which would make every
Ansible run rewrite the file; here the salt is derived from the user name (first 12 bytes of
sha256("tsible-bench:" + user)), so an unchanged password renders byte-identical and the no-op run
is genuinely a no-op. Benchmark only: a deterministic salt is weaker than a random one.
"""
import base64
import hashlib

ITERATIONS = 101
SALT_BYTES = 12
HASH_BYTES = 64


def mosquitto_hash(password, user):
    salt = hashlib.sha256(("tsible-bench:" + str(user)).encode("utf-8")).digest()[:SALT_BYTES]
    digest = hashlib.pbkdf2_hmac("sha512", str(password).encode("utf-8"), salt, ITERATIONS, HASH_BYTES)
    return "$7$%d$%s$%s" % (
        ITERATIONS,
        base64.b64encode(salt).decode("ascii"),
        base64.b64encode(digest).decode("ascii"),
    )


class FilterModule(object):
    def filters(self):
        return {"mosquitto_hash": mosquitto_hash}
