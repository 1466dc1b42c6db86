"""Entry points of Debian's python3-swift without its command-line packages (swift-ring-builder,
swift-*-server), reading swift.conf from a private directory instead of /etc/swift.

usage: /usr/bin/python3 swift_run.py rings SWIFT_DIR ACCOUNT_PORT CONTAINER_PORT OBJECT_PORT
       /usr/bin/python3 swift_run.py server SWIFT_DIR CONF_FILE APP_SECTION
"""
import sys


def main():
    if sys.argv[1] == 'rings':
        # One replica on one device per ring: what swift-ring-builder create 0 1 0, add, rebalance
        # would write, in one process (each python start costs about a second here).
        from swift.common.ring import RingBuilder
        swift_dir = sys.argv[2]
        for name, port in zip(('account', 'container', 'object'), sys.argv[3:6]):
            builder = RingBuilder(0, 1, 0)
            builder.add_dev({'region': 1, 'zone': 1, 'ip': '127.0.0.1', 'port': int(port),
                             'device': 'sdb1', 'weight': 1})
            builder.rebalance()
            builder.get_ring().save('%s/%s.ring.gz' % (swift_dir, name))
        return
    from swift.common import utils
    from swift.common.wsgi import run_wsgi
    swift_dir, conf, section = sys.argv[2], sys.argv[3], sys.argv[4]
    utils.set_swift_dir(swift_dir)
    sys.exit(run_wsgi(conf, section, verbose=True))


if __name__ == '__main__':
    main()
