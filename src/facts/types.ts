/** What tsible knows about a host after one read-only round trip */
export interface Facts {
  os_family: "Debian" | "RedHat" | "unknown";
  /** debian, ubuntu, raspbian, centos, rhel, amzn, ... (lowercase os-release ID) */
  distribution: string;
  distribution_version: string;
  distribution_major_version: string;
  architecture: string;
  pkg_mgr: "apt" | "dnf" | "yum" | "unknown";
  service_mgr: "systemd" | "sysvinit" | "none";
  hostname: string;
  /** user the connection logs in as */
  user_id: string;
  /** `uname -r` */
  kernel?: string;
  /** path of python3 (or python), when installed */
  python?: string | undefined;
  /** /etc/init.d exists: with service_mgr "none", services run through their init scripts */
  has_init_d?: boolean;
}
