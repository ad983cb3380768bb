/* The scanner's pass without the interpreter: Hyperscan's matches collected in C.
 *
 * The Python binding of Hyperscan calls back into Python for every match, taking the GIL
 * each time, so a scan cannot run beside the Python code that resolves the previous
 * chunk's matches (each callback waits for the GIL). Here the matches go into a C array
 * while the GIL is released, and become Python tuples only when the scan is over: the
 * scan of one chunk runs on a second core while the resolvers work on the one before.
 *
 * Optional: when it is not built (no Hyperscan headers), engine.py uses the binding.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <hs/hs.h>
#include <stdint.h>
#include <stdlib.h>

typedef struct {
    uint32_t id;
    uint64_t end;
} Hit;

typedef struct {
    Hit *hits;
    size_t len;
    size_t cap;
    int failed; /* out of memory: the scan is stopped and reported */
} Hits;

static int on_match(unsigned int id, unsigned long long from, unsigned long long to,
                    unsigned int flags, void *context)
{
    (void)from;
    (void)flags;
    Hits *hits = (Hits *)context;
    if (hits->len == hits->cap) {
        size_t cap = hits->cap ? hits->cap * 2 : 1024;
        Hit *grown = realloc(hits->hits, cap * sizeof(Hit));
        if (grown == NULL) {
            hits->failed = 1;
            return 1; /* stop scanning */
        }
        hits->hits = grown;
        hits->cap = cap;
    }
    hits->hits[hits->len].id = id;
    hits->hits[hits->len].end = to;
    hits->len++;
    return 0;
}

typedef struct {
    PyObject_HEAD
    hs_database_t *db;
    hs_scratch_t *prototype; /* cloned for each scan: any thread may scan */
} Database;

static void Database_dealloc(Database *self)
{
    if (self->prototype != NULL)
        hs_free_scratch(self->prototype);
    if (self->db != NULL)
        hs_free_database(self->db);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int Database_init(Database *self, PyObject *args, PyObject *kwds)
{
    static char *keywords[] = {"expressions", "flags", NULL};
    PyObject *expressions, *flags;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!O!", keywords, &PyList_Type, &expressions,
                                     &PyList_Type, &flags))
        return -1;
    Py_ssize_t n = PyList_GET_SIZE(expressions);
    if (n == 0 || PyList_GET_SIZE(flags) != n) {
        PyErr_SetString(PyExc_ValueError, "one flag per expression, at least one expression");
        return -1;
    }
    const char **exprs = calloc((size_t)n, sizeof(char *));
    unsigned int *fl = calloc((size_t)n, sizeof(unsigned int));
    unsigned int *ids = calloc((size_t)n, sizeof(unsigned int));
    int ok = exprs != NULL && fl != NULL && ids != NULL;
    if (!ok)
        PyErr_NoMemory();
    for (Py_ssize_t i = 0; ok && i < n; i++) {
        PyObject *e = PyList_GET_ITEM(expressions, i);
        if (!PyBytes_Check(e)) {
            PyErr_SetString(PyExc_TypeError, "expressions must be bytes");
            ok = 0;
            break;
        }
        exprs[i] = PyBytes_AS_STRING(e);
        unsigned long f = PyLong_AsUnsignedLong(PyList_GET_ITEM(flags, i));
        if (PyErr_Occurred()) {
            ok = 0;
            break;
        }
        fl[i] = (unsigned int)f;
        ids[i] = (unsigned int)i;
    }
    if (ok) {
        hs_compile_error_t *error = NULL;
        if (hs_compile_multi(exprs, fl, ids, (unsigned int)n, HS_MODE_BLOCK, NULL, &self->db,
                             &error) != HS_SUCCESS) {
            PyErr_Format(PyExc_ValueError, "expression %d: %s", error ? error->expression : -1,
                         error ? error->message : "cannot be compiled");
            hs_free_compile_error(error);
            ok = 0;
        } else if (hs_alloc_scratch(self->db, &self->prototype) != HS_SUCCESS) {
            PyErr_NoMemory();
            ok = 0;
        }
    }
    free(exprs);
    free(fl);
    free(ids);
    return ok ? 0 : -1;
}

static PyObject *Database_scan(Database *self, PyObject *arg)
{
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) != 0)
        return NULL;
    if ((size_t)view.len > UINT32_MAX) {
        PyBuffer_Release(&view);
        PyErr_SetString(PyExc_ValueError, "a chunk is at most 4 GiB");
        return NULL;
    }
    Hits hits = {NULL, 0, 0, 0};
    hs_scratch_t *scratch = NULL;
    hs_error_t err;
    Py_BEGIN_ALLOW_THREADS
    err = hs_clone_scratch(self->prototype, &scratch);
    if (err == HS_SUCCESS)
        err = hs_scan(self->db, (const char *)view.buf, (unsigned int)view.len, 0, scratch,
                      on_match, &hits);
    if (scratch != NULL)
        hs_free_scratch(scratch);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    if (hits.failed || (err != HS_SUCCESS && err != HS_SCAN_TERMINATED)) {
        free(hits.hits);
        if (hits.failed || err == HS_NOMEM)
            return PyErr_NoMemory();
        return PyErr_Format(PyExc_RuntimeError, "Hyperscan failed: error %d", (int)err);
    }
    PyObject *list = PyList_New((Py_ssize_t)hits.len);
    PyObject *unknown = list != NULL ? PyLong_FromLong(-1) : NULL;
    for (size_t i = 0; unknown != NULL && i < hits.len; i++) {
        PyObject *hit = Py_BuildValue("(IOK)", hits.hits[i].id, unknown,
                                      (unsigned long long)hits.hits[i].end);
        if (hit == NULL) {
            Py_CLEAR(list);
            break;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, hit);
    }
    Py_XDECREF(unknown);
    free(hits.hits);
    return list;
}

static PyMethodDef Database_methods[] = {
    {"scan", (PyCFunction)Database_scan, METH_O,
     "scan(buffer) -> [(expression id, -1, end), ...] in order of end; the GIL is released."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject DatabaseType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "assistant.scrub._native.Database",
    .tp_basicsize = sizeof(Database),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Database(expressions: list[bytes], flags: list[int]): Hyperscan, block mode.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Database_init,
    .tp_dealloc = (destructor)Database_dealloc,
    .tp_methods = Database_methods,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_native", "Hyperscan matches collected without the GIL.", -1, NULL,
};

PyMODINIT_FUNC PyInit__native(void)
{
    if (PyType_Ready(&DatabaseType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&DatabaseType);
    if (PyModule_AddObject(m, "Database", (PyObject *)&DatabaseType) < 0) {
        Py_DECREF(&DatabaseType);
        Py_DECREF(m);
        return NULL;
    }
    if (PyModule_AddIntConstant(m, "CASELESS", HS_FLAG_CASELESS) < 0
        || PyModule_AddIntConstant(m, "MULTILINE", HS_FLAG_MULTILINE) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
