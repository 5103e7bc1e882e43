# install.cmake: OpenNebula's remotes layout. The install prefix IS the
# remotes directory ($ONE_LOCATION/var/remotes or /var/lib/one/remotes; the
# Makefile chooses it), so:
#   <prefix>/datastore/ipfs/<action>      datastore driver actions (+ the history flusher)
#   <prefix>/tm/ipfs/<action>             transfer driver actions (+ host helper)
#   <prefix>/market/ipfs/<action>         marketplace driver actions (import, delete, monitor)
#   <prefix>/etc/datastore/ipfs/ipfs.conf default configuration (never overwritten
#                                          by a later install if the operator edited it)
foreach(action ${datastore_ACTIONS})
  install(TARGETS datastore_${action} RUNTIME DESTINATION datastore/ipfs COMPONENT drivers)
endforeach()
foreach(action ${tm_ACTIONS})
  install(TARGETS tm_${action} RUNTIME DESTINATION tm/ipfs COMPONENT drivers)
endforeach()
foreach(action ${market_ACTIONS})
  install(TARGETS market_${action} RUNTIME DESTINATION market/ipfs COMPONENT drivers)
endforeach()
install(TARGETS one-ipfs-host RUNTIME DESTINATION tm/ipfs COMPONENT drivers)
install(TARGETS one-ipfs-history-flush RUNTIME DESTINATION datastore/ipfs COMPONENT drivers)
install(CODE "
  set(conf \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/etc/datastore/ipfs/ipfs.conf\")
  if(EXISTS \"\${conf}\")
    message(STATUS \"Keeping existing \${conf} (new default: \${conf}.new)\")
    file(INSTALL \"${CMAKE_SOURCE_DIR}/install/ipfs.conf\" DESTINATION \"\${CMAKE_INSTALL_PREFIX}/etc/datastore/ipfs\"
         RENAME ipfs.conf.new PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
  else()
    file(INSTALL \"${CMAKE_SOURCE_DIR}/install/ipfs.conf\" DESTINATION \"\${CMAKE_INSTALL_PREFIX}/etc/datastore/ipfs\"
         PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
  endif()
" COMPONENT drivers)

# Operator tools and reference files live outside the remotes tree, at
# absolute paths (DESTDIR still applies). The Makefile sets them from
# ONE_LOCATION: /usr/bin and /usr/share/one-ipfs for a system install,
# $ONE_LOCATION/bin and $ONE_LOCATION/share/one-ipfs for a self-contained one.
# The demo, the benchmark and the tests install only the `drivers` component.
set(ONEIPFS_BINDIR /usr/bin CACHE PATH "where the operator tools (one-ipfs-doctor, -register, -fsck, -image, -market) are installed")
set(ONEIPFS_DATADIR /usr/share/one-ipfs CACHE PATH "where the oned.conf blocks and templates are installed")
install(TARGETS ${TOOLS} RUNTIME DESTINATION ${ONEIPFS_BINDIR} COMPONENT tools)
install(FILES ${CMAKE_SOURCE_DIR}/install/ipfs.conf DESTINATION ${ONEIPFS_DATADIR}
        RENAME ipfs.conf.default COMPONENT tools)
install(FILES ${CMAKE_SOURCE_DIR}/install/oned.conf.d/ipfs.conf DESTINATION ${ONEIPFS_DATADIR}
        RENAME oned.conf.ipfs COMPONENT tools)
install(FILES ${CMAKE_SOURCE_DIR}/install/oned.conf.d/ipfs-market.conf DESTINATION ${ONEIPFS_DATADIR}
        RENAME oned.conf.ipfs-market COMPONENT tools)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/install/templates DESTINATION ${ONEIPFS_DATADIR} COMPONENT tools)
