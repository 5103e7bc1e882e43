# package.cmake: the Debian package (`make deb`, CPack DEB generator).
#
# The package holds exactly what `make install` puts on a system front end:
# the actions under /var/lib/one/remotes/{datastore,tm}/ipfs (the install
# prefix is the remotes directory), the default ipfs.conf as a conffile (an
# edited one survives upgrades), and the tools and reference files under
# /usr/bin and /usr/share/one-ipfs. Library dependencies are computed by
# dpkg-shlibdeps; postinst prints what was installed and the next steps.
set(CPACK_GENERATOR DEB)
set(CPACK_STRIP_FILES ON)  # the remotes go to every host with onehost sync
set(CPACK_PACKAGE_NAME one-ipfs)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "one-ipfs maintainers <one-ipfs@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "OpenNebula datastore and transfer drivers that keep VM images in IPFS")
set(CPACK_PACKAGE_DESCRIPTION
    "one-ipfs lets an OpenNebula cloud keep its VM images in IPFS: images are registered by CID, IPNS\n"
    "name, local file or URL, and hypervisors fetch disks from their own IPFS daemon, sharing blocks\n"
    "peer to peer. Includes one-ipfs-register (oned.conf) and one-ipfs-doctor (health check).")
set(CPACK_PACKAGING_INSTALL_PREFIX /var/lib/one/remotes)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "openssh-client")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "opennebula, qemu-utils")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "e2fsprogs")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(ONEIPFS_DEB_DIR ${CMAKE_BINARY_DIR}/debian)
file(WRITE ${ONEIPFS_DEB_DIR}/conffiles "/var/lib/one/remotes/etc/datastore/ipfs/ipfs.conf\n")
file(WRITE ${ONEIPFS_DEB_DIR}/postinst [=[#!/bin/sh
set -e
if [ "$1" = configure ]; then
  cat <<'MSG'
one-ipfs installed:
  /var/lib/one/remotes/datastore/ipfs/   datastore actions (DS_MAD=ipfs)
  /var/lib/one/remotes/tm/ipfs/          transfer actions (TM_MAD=ipfs) and the host helper
  /var/lib/one/remotes/etc/datastore/ipfs/ipfs.conf   settings (kept on upgrade)
  /usr/share/one-ipfs/                   oned.conf blocks, datastore templates
oned.conf was NOT changed. Next steps:
  one-ipfs-register --dry-run && one-ipfs-register   # register ipfs in /etc/one/oned.conf
  systemctl restart opennebula
  su oneadmin -c 'onehost sync --force'              # puts the helper on every host
  one-ipfs-doctor                                    # checks the front end and every host
MSG
fi
exit 0
]=])
file(CHMOD ${ONEIPFS_DEB_DIR}/postinst PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
     WORLD_READ WORLD_EXECUTE)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA "${ONEIPFS_DEB_DIR}/conffiles;${ONEIPFS_DEB_DIR}/postinst")
include(CPack)
